/*
 * Native kernels for a frozen AttRNN: forward passes and gradients with respect to the input
 * only (the weights are frozen, so their gradients are never needed).
 *
 * Built on first use by tsreprog/kernels.py (cc -O3 -march=native -ffast-math -shared) and
 * called through ctypes, which releases the GIL, so tsreprog.training.ThreadedGrad's worker
 * threads run these kernels in parallel. Every function is single-threaded and re-entrant:
 * all memory it writes is passed in by the caller.
 *
 * Layouts (row-major, contiguous float32):
 *   LSTM: xp (B, T, 4H) input projections W_ih x + b_ih + b_hh of one direction (computed by the
 *         caller with one large matrix product); out (B, T, 2H) both directions' hidden states;
 *         act (T, B, 4H) activated gates i, f, g, o (PyTorch's order); cell (T, B, H).
 *   conv block: x (B, T, F); two (5 x 1) convolutions over time with zero padding 2, each
 *         followed by ReLU and an eval-mode batch-norm given as scale and shift.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>


typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
static inline v8 ld8(const float *p) { v8 v; memcpy(&v, p, sizeof v); return v; }
static inline void st8(float *p, v8 v) { memcpy(p, &v, sizeof v); }
static inline v8 bc8(float s) { return (v8){s, s, s, s, s, s, s, s}; }

/* m ? a : b, lane by lane (m: all ones or all zeros per lane) */
static inline v8 sel8(v8i m, v8 a, v8 b) { return (v8)((m & (v8i)a) | (~m & (v8i)b)); }

/* exp of 8 floats: range reduction x = n ln2 + r, |r| <= ln2 / 2, then a degree-7 polynomial
 * (the classic Cephes expf coefficients; relative error about 1e-7 over the clamped range). */
static inline v8 exp8(v8 x) {
    x = sel8(x < bc8(88.0f), x, bc8(88.0f));
    x = sel8(x > bc8(-87.0f), x, bc8(-87.0f));
    v8 fx = x * bc8(1.44269504088896341f) + bc8(0.5f);
    v8i n = __builtin_convertvector(fx, v8i); /* truncation, then floor for negatives */
    v8 fn = __builtin_convertvector(n, v8);
    const v8i adj = fn > fx;
    n += adj; /* adj is -1 where truncation rounded up */
    fn = __builtin_convertvector(n, v8);
    v8 r = x - fn * bc8(0.693359375f) + fn * bc8(2.12194440e-4f);
    v8 y = bc8(1.9875691500e-4f);
    y = y * r + bc8(1.3981999507e-3f);
    y = y * r + bc8(8.3334519073e-3f);
    y = y * r + bc8(4.1665795894e-2f);
    y = y * r + bc8(1.6666665459e-1f);
    y = y * r + bc8(5.0000001201e-1f);
    y = y * r * r + r + bc8(1.0f);
    v8i bits = (n + 127) << 23;
    v8 scale;
    memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}
static inline v8 sigmoid8(v8 x) { return bc8(1.0f) / (bc8(1.0f) + exp8(-x)); }
static inline v8 tanh8(v8 x) { return bc8(2.0f) / (bc8(1.0f) + exp8(bc8(-2.0f) * x)) - bc8(1.0f); }

/* C[b, :N] = C[b, :N] + sum_k A[b, k] W[k, :N] (accumulate = 1) or the sum alone (0), for
 * b < B; N % 16 == 0. Rows go four at a time so that eight independent accumulators hide the
 * latency of the fused multiply-adds (the recurrences' matrices are too small for BLAS). */
static void rows_gemm(int B, int K, int N, const float *A, int lda, const float *W, int ldw,
                      float *C, int ldc, int accumulate) {
    for (int nb = 0; nb < N; nb += 16) {
        int b = 0;
        for (; b + 4 <= B; b += 4) {
            float *c0 = C + (size_t)b * ldc + nb, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
            const float *a0 = A + (size_t)b * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
            v8 s00 = bc8(0.0f), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00,
               s30 = s00, s31 = s00;
            if (accumulate) {
                s00 = ld8(c0), s01 = ld8(c0 + 8), s10 = ld8(c1), s11 = ld8(c1 + 8);
                s20 = ld8(c2), s21 = ld8(c2 + 8), s30 = ld8(c3), s31 = ld8(c3 + 8);
            }
            const float *w = W + nb;
            for (int k = 0; k < K; ++k, w += ldw) {
                const v8 w0 = ld8(w), w1 = ld8(w + 8);
                v8 v = bc8(a0[k]);
                s00 += v * w0, s01 += v * w1;
                v = bc8(a1[k]);
                s10 += v * w0, s11 += v * w1;
                v = bc8(a2[k]);
                s20 += v * w0, s21 += v * w1;
                v = bc8(a3[k]);
                s30 += v * w0, s31 += v * w1;
            }
            st8(c0, s00), st8(c0 + 8, s01), st8(c1, s10), st8(c1 + 8, s11);
            st8(c2, s20), st8(c2 + 8, s21), st8(c3, s30), st8(c3 + 8, s31);
        }
        for (; b < B; ++b) {
            float *c0 = C + (size_t)b * ldc + nb;
            const float *a0 = A + (size_t)b * lda;
            v8 s0 = accumulate ? ld8(c0) : bc8(0.0f), s1 = accumulate ? ld8(c0 + 8) : bc8(0.0f);
            v8 u0 = bc8(0.0f), u1 = u0; /* second pair of chains: even and odd k */
            const float *w = W + nb;
            int k = 0;
            for (; k + 2 <= K; k += 2, w += 2 * ldw) {
                const v8 v = bc8(a0[k]), u = bc8(a0[k + 1]);
                s0 += v * ld8(w), s1 += v * ld8(w + 8);
                u0 += u * ld8(w + ldw), u1 += u * ld8(w + ldw + 8);
            }
            for (; k < K; ++k, w += ldw) {
                const v8 v = bc8(a0[k]);
                s0 += v * ld8(w), s1 += v * ld8(w + 8);
            }
            st8(c0, s0 + u0), st8(c0 + 8, s1 + u1);
        }
    }
}

/* One direction of one LSTM layer, forward. whh_t is W_hh transposed: (H, 4H); H % 16 == 0.
 * xp (B, T, ldx): this direction's input projections in columns [0, 4H) of each row.
 * dir 0 walks t = 0..T-1 and writes out[..., 0:H]; dir 1 walks t = T-1..0 into out[..., H:2H].
 * scratch: at least B * (4H + 2H) floats. */
void lstm_forward(int B, int T, int H, int dir, const float *xp, int ldx, const float *whh_t,
                  float *out,
                  float *act, float *cell, float *scratch) {
    const int G = 4 * H;
    float *g = scratch;         /* (B, 4H) */
    float *h = g + B * G;       /* (B, H) */
    float *c = h + B * H;       /* (B, H) */
    memset(h, 0, sizeof(float) * B * H);
    memset(c, 0, sizeof(float) * B * H);
    for (int s = 0; s < T; ++s) {
        const int t = dir ? T - 1 - s : s;
        /* g = xp[:, t] + h @ W_hh^T */
        for (int b = 0; b < B; ++b) memcpy(g + b * G, xp + ((size_t)b * T + t) * ldx, sizeof(float) * G);
        rows_gemm(B, H, G, h, H, whh_t, G, g, G, 1);
        float *a = act + (size_t)t * B * G;
        float *ct = cell + (size_t)t * B * H;
        for (int b = 0; b < B; ++b) {
            const float *gb = g + b * G;
            float *ab = a + b * G;
            float *cb = c + b * H, *hb = h + b * H, *cq = ct + b * H;
            float *ob = out + ((size_t)b * T + t) * 2 * H + dir * H;
            for (int k = 0; k < H; k += 8) {
                const v8 i = sigmoid8(ld8(gb + k)), f = sigmoid8(ld8(gb + H + k));
                const v8 gg = tanh8(ld8(gb + 2 * H + k)), o = sigmoid8(ld8(gb + 3 * H + k));
                st8(ab + k, i);
                st8(ab + H + k, f);
                st8(ab + 2 * H + k, gg);
                st8(ab + 3 * H + k, o);
                const v8 cv = f * ld8(cb + k) + i * gg;
                st8(cb + k, cv);
                st8(cq + k, cv);
                const v8 hv = o * tanh8(cv);
                st8(hb + k, hv);
                st8(ob + k, hv);
            }
        }
    }
}

/* One direction of one LSTM layer, backward to the gate pre-activations.
 * dout (B, T, 2H): gradient of the layer output; writes dgates (B, T, ldd) columns [0, 4H),
 * from which the caller gets the input gradient as dgates @ W_ih. whh is W_hh as stored:
 * (4H, H); H % 16 == 0.
 * scratch: at least B * (4H + 2H) floats. */
void lstm_backward(int B, int T, int H, int dir, const float *dout, const float *whh,
                   const float *act, const float *cell, float *dgates, int ldd, float *scratch) {
    const int G = 4 * H;
    float *dg = scratch;         /* (B, 4H) */
    float *dh = dg + B * G;      /* (B, H): gradient reaching h_t from step t+1 (in walk order) */
    float *dc = dh + B * H;      /* (B, H) */
    memset(dh, 0, sizeof(float) * B * H);
    memset(dc, 0, sizeof(float) * B * H);
    for (int s = T - 1; s >= 0; --s) {
        const int t = dir ? T - 1 - s : s;
        const int tp = dir ? t + 1 : t - 1; /* the previous step in walk order */
        const float *a = act + (size_t)t * B * G;
        const float *ct = cell + (size_t)t * B * H;
        const float *cp = (s > 0) ? cell + (size_t)tp * B * H : NULL;
        for (int b = 0; b < B; ++b) {
            const float *ab = a + b * G;
            const float *dob = dout + ((size_t)b * T + t) * 2 * H + dir * H;
            float *dgb = dg + b * G, *dhb = dh + b * H, *dcb = dc + b * H;
            for (int k = 0; k < H; k += 8) {
                const v8 i = ld8(ab + k), f = ld8(ab + H + k), gg = ld8(ab + 2 * H + k);
                const v8 o = ld8(ab + 3 * H + k), one = bc8(1.0f);
                const v8 tc = tanh8(ld8(ct + b * H + k));
                const v8 dhv = ld8(dob + k) + ld8(dhb + k);
                const v8 dcv = ld8(dcb + k) + dhv * o * (one - tc * tc);
                const v8 cprev = cp ? ld8(cp + b * H + k) : bc8(0.0f);
                st8(dgb + k, dcv * gg * i * (one - i));
                st8(dgb + H + k, dcv * cprev * f * (one - f));
                st8(dgb + 2 * H + k, dcv * i * (one - gg * gg));
                st8(dgb + 3 * H + k, dhv * tc * o * (one - o));
                st8(dcb + k, dcv * f);
            }
            memcpy(dgates + ((size_t)b * T + t) * ldd, dgb, sizeof(float) * G);
        }
        /* dh_{t-1} = dgates @ W_hh */
        rows_gemm(B, G, H, dg, G, whh, H, dh, H, 0);
    }
}

/* dst[t, f] (+)= sum_k w[k] src[t + k, f] for t < T: a 5-tap correlation over time of a
 * zero-padded (T + 4, F) plane. */
static inline void corr5(int T, int F, const float *restrict src, const float *restrict w,
                         float *restrict dst, int accumulate) {
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4];
    for (int t = 0; t < T; ++t) {
        const float *s0 = src + (size_t)t * F, *s1 = s0 + F, *s2 = s1 + F, *s3 = s2 + F,
                    *s4 = s3 + F;
        float *restrict d = dst + (size_t)t * F;
        if (accumulate)
            for (int f = 0; f < F; ++f)
                d[f] += w0 * s0[f] + w1 * s1[f] + w2 * s2[f] + w3 * s3[f] + w4 * s4[f];
        else
            for (int f = 0; f < F; ++f)
                d[f] = w0 * s0[f] + w1 * s1[f] + w2 * s2[f] + w3 * s3[f] + w4 * s4[f];
    }
}

/* Forward of conv1 -> ReLU -> BN1 -> conv2 -> ReLU -> BN2 (both convolutions (5 x 1), padding 2).
 * w1 (C, 5), b1 (C), s1/h1 (C): BN1 scale and shift; w2 (C, 5), b2, s2, h2: scalars.
 * pre1 (B, C, T, F) and pre2 (B, T, F) keep the pre-ReLU values for the backward pass;
 * scratch: at least (C + 1) * (T + 4) * F floats. */
void conv_forward(int B, int T, int F, int C, const float *x, const float *w1, const float *b1,
                  const float *s1, const float *h1, const float *w2, float b2, float s2, float h2,
                  float *pre1, float *pre2, float *out, float *scratch) {
    const size_t P = (size_t)T * F, Q = (size_t)(T + 4) * F;
    float *xp = scratch;      /* (T + 4, F) zero-padded input */
    float *zp = scratch + Q;  /* (C, T + 4, F) zero-padded BN1(ReLU(conv1)) */
    memset(scratch, 0, sizeof(float) * (C + 1) * Q);
    for (int b = 0; b < B; ++b) {
        memcpy(xp + 2 * F, x + b * P, sizeof(float) * P);
        float *p1 = pre1 + (size_t)b * C * P;
        for (int c = 0; c < C; ++c) {
            float *restrict pc = p1 + c * P;
            corr5(T, F, xp, w1 + c * 5, pc, 0);
            float *restrict zc = zp + c * Q + 2 * F;
            const float bc = b1[c], sc = s1[c], hc = h1[c];
            for (size_t i = 0; i < P; ++i) {
                const float v = pc[i] + bc;
                pc[i] = v;
                zc[i] = (v > 0.0f ? v : 0.0f) * sc + hc;
            }
        }
        float *restrict p2 = pre2 + b * P;
        for (size_t i = 0; i < P; ++i) p2[i] = b2;
        for (int c = 0; c < C; ++c) corr5(T, F, zp + c * Q, w2 + c * 5, p2, 1);
        float *restrict ob = out + b * P;
        for (size_t i = 0; i < P; ++i) ob[i] = (p2[i] > 0.0f ? p2[i] : 0.0f) * s2 + h2;
    }
}

/* Gradient of conv_forward with respect to x. scratch: at least (C + 1) * (T + 4) * F floats.
 * The transposed 5-tap correlation is a correlation with the flipped taps. */
void conv_backward(int B, int T, int F, int C, const float *dout, const float *w1,
                   const float *s1, const float *w2, float s2, const float *pre1,
                   const float *pre2, float *dx, float *scratch) {
    const size_t P = (size_t)T * F, Q = (size_t)(T + 4) * F;
    float *d2 = scratch;      /* (T + 4, F) padded gradient at conv2's pre-ReLU output */
    float *d1 = scratch + Q;  /* (C, T + 4, F) padded gradient at conv1's pre-ReLU output */
    float flip1[5 * 64], flip2[5 * 64];
    for (int c = 0; c < C; ++c)
        for (int k = 0; k < 5; ++k) {
            flip1[c * 5 + k] = w1[c * 5 + 4 - k];
            flip2[c * 5 + k] = w2[c * 5 + 4 - k];
        }
    memset(scratch, 0, sizeof(float) * (C + 1) * Q);
    for (int b = 0; b < B; ++b) {
        const float *restrict p2 = pre2 + b * P, *restrict db = dout + b * P;
        float *restrict d2i = d2 + 2 * F;
        for (size_t i = 0; i < P; ++i) d2i[i] = p2[i] > 0.0f ? db[i] * s2 : 0.0f;
        const float *p1 = pre1 + (size_t)b * C * P;
        for (int c = 0; c < C; ++c) {
            float *restrict dc = d1 + c * Q + 2 * F;
            corr5(T, F, d2, flip2 + c * 5, dc, 0);
            const float *restrict pc = p1 + c * P;
            const float sc = s1[c];
            for (size_t i = 0; i < P; ++i) dc[i] = pc[i] > 0.0f ? dc[i] * sc : 0.0f;
        }
        float *dxb = dx + b * P;
        corr5(T, F, d1, flip1, dxb, 0);
        for (int c = 1; c < C; ++c) corr5(T, F, d1 + c * Q, flip1 + c * 5, dxb, 1);
    }
}

/* mel[b, m, :] = sum_f fbank[f, m] |spec[b, f, :] + delta[f, :]|^2, the filterbank given as
 * compressed rows (indptr (F + 1), idx, val: the non-zero fbank[f, m] of each f).
 * spec (B, F, T) and delta (F, T) complex as (re, im) pairs; delta may be NULL.
 * scratch: at least T floats. */
void mel_power_forward(int B, int F, int T, int M, const float *spec, const float *delta,
                       const int *indptr, const int *idx, const float *val, float *mel,
                       float *scratch) {
    float *restrict p = scratch;
    for (int b = 0; b < B; ++b) {
        float *mb = mel + (size_t)b * M * T;
        memset(mb, 0, sizeof(float) * M * T);
        for (int f = 0; f < F; ++f) {
            if (indptr[f] == indptr[f + 1]) continue;
            const float *restrict s = spec + ((size_t)b * F + f) * T * 2;
            if (delta) {
                const float *restrict d = delta + (size_t)f * T * 2;
                for (int t = 0; t < T; ++t) {
                    const float re = s[2 * t] + d[2 * t], im = s[2 * t + 1] + d[2 * t + 1];
                    p[t] = re * re + im * im;
                }
            } else {
                for (int t = 0; t < T; ++t) p[t] = s[2 * t] * s[2 * t] + s[2 * t + 1] * s[2 * t + 1];
            }
            for (int j = indptr[f]; j < indptr[f + 1]; ++j) {
                float *restrict row = mb + (size_t)idx[j] * T;
                const float w = val[j];
                for (int t = 0; t < T; ++t) row[t] += w * p[t];
            }
        }
    }
}

/* Gradient of mel_power_forward with respect to a delta shared by the batch:
 * gdelta[f, t] = 2 sum_b (sum_m fbank[f, m] dmel[b, m, t]) (spec[b, f, t] + delta[f, t]).
 * scratch: at least T floats. */
void mel_power_backward(int B, int F, int T, int M, const float *spec, const float *delta,
                        const int *indptr, const int *idx, const float *val, const float *dmel,
                        float *gdelta, float *scratch) {
    float *restrict dp = scratch;
    memset(gdelta, 0, sizeof(float) * F * T * 2);
    for (int f = 0; f < F; ++f) {
        if (indptr[f] == indptr[f + 1]) continue;
        const float *restrict d = delta + (size_t)f * T * 2;
        float *restrict g = gdelta + (size_t)f * T * 2;
        for (int b = 0; b < B; ++b) {
            memset(dp, 0, sizeof(float) * T);
            for (int j = indptr[f]; j < indptr[f + 1]; ++j) {
                const float *restrict row = dmel + ((size_t)b * M + idx[j]) * T;
                const float w = 2.0f * val[j];
                for (int t = 0; t < T; ++t) dp[t] += w * row[t];
            }
            const float *restrict s = spec + ((size_t)b * F + f) * T * 2;
            for (int t = 0; t < T; ++t) {
                g[2 * t] += dp[t] * (s[2 * t] + d[2 * t]);
                g[2 * t + 1] += dp[t] * (s[2 * t + 1] + d[2 * t + 1]);
            }
        }
    }
}
