from library.text.train.personality import main

raise SystemExit(main())
