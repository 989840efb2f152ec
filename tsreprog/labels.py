"""Class names shared by the backbones and the data tools (no heavy imports here)."""

__all__ = ["SILENCE", "SPEECH_COMMANDS_CLASSES"]

#: Folder name of the silence / background-noise class.
SILENCE = "_silence_"

#: The 36 classes of the Google Speech Commands (v0.02) head, in the reference index order:
#: 0 silence/unknown, 1 "nine", 2-20 the core commands and digits, 21-35 the auxiliary words.
SPEECH_COMMANDS_CLASSES: tuple[str, ...] = (
    SILENCE,
    "nine",
    *"yes no up down left right on off stop go".split(),
    *"zero one two three four five six seven eight".split(),
    *"backward bed bird cat dog follow forward happy house".split(),
    *"learn marvin sheila tree visual wow".split(),
)
