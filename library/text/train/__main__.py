from library.text.train.recipe import main

raise SystemExit(main())
