from tokcost.cli import run

run()
