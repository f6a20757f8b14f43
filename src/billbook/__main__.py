"""`python -m billbook` starts the desktop app."""

from billbook.gui.app import main

if __name__ == "__main__":
    main()
