from dockerlint_django.cli import main

# A worker process started with 'spawn' (macOS, Windows) imports the main module again: it
# must not start another run.
if __name__ == "__main__":
    main()
