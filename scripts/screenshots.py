"""Screenshots of the counter's screens (light and dark, 1366×768) into docs/screenshots/.

    python scripts/screenshots.py        (same as: python -m billbook.gui.screenshots)
"""

import sys

from billbook.gui.screenshots import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
