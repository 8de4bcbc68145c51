from accelerated import main

main()
