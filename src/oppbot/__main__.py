from oppbot.cli import main

main()
