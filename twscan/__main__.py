from twscan.cli import main

raise SystemExit(main())
