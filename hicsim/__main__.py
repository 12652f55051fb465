import sys

from hicsim.cli import main

sys.exit(main())
