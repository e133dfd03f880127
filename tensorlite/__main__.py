"""python -m tensorlite: the command-line interface."""
import sys

from .cli import main

if __name__ == "__main__":  # only when run (python -m tensorlite), not when imported
    sys.exit(main())
