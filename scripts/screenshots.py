"""Screenshots of every screen (light and dark, 1366×768 and 1024×600) into docs/screenshots/.

    python scripts/screenshots.py        (same as: python -m billbook.devtools.screenshots)
"""

import sys

from billbook.devtools.screenshots import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
