import sys

from heartbeat_tools.cli.root import main

sys.exit(main())
