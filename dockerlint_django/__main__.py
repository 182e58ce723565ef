from dockerlint_django.cli import main

main()
