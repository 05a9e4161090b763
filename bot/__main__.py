from paperbot.bot.cli import main

main()
