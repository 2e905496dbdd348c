"""``python -m monitor`` runs the ``scout`` command line."""

from monitor.cli import main

main()
