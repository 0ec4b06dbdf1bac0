import sys

from fingerspell.cli import main

sys.exit(main())
