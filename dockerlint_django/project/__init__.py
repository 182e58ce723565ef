"""One deployment as a whole: build contexts, Compose services, the images they run, and the
effective view of what runs in each container."""
