from gpu_bridge_export.cli import main

raise SystemExit(main())
