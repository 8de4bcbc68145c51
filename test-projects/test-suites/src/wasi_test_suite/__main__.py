import sys

from wasi_test_suite import main

sys.exit(main())
