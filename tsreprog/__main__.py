"""``python -m tsreprog`` runs the command line tool (as the ``tsreprog`` script)."""

import sys

from tsreprog.cli import main

sys.exit(main())
