from billbook.cli import run

run()
