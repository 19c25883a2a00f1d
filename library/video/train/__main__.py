from library.video.train.run import main

raise SystemExit(main())
