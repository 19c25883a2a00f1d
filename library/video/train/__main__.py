import sys

# The wild tier by default (what reads stills and stored results); ``--tier live`` for the 48-px live tier.
if "--tier" in sys.argv:
    i = sys.argv.index("--tier")
    tier = sys.argv[i + 1] if i + 1 < len(sys.argv) else ""
    del sys.argv[i:i + 2]
    if tier not in ("live", "wild"):
        raise SystemExit("--tier is 'wild' (default) or 'live'")
else:
    tier = "wild"
if tier == "live":
    from library.video.train.run import main
else:
    from library.video.train.wild_recipe import main

raise SystemExit(main())
