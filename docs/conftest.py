# The pages of docs/ run as doctests (pyproject's --doctest-glob); the folders linked in from
# the repository hold no examples of their own to run.
collect_ignore = ["results", "notebooks", "pretrained"]
