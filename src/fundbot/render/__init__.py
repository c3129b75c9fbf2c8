"""Pure renderers: issue bodies, the pull-request comment, CSV/JSON exports, the Pledge report."""
