"""Course tooling: what maintainers and instructors run, not what a reader installs."""
