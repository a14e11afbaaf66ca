"""Where text comes from: files on disk, the git index, commit ranges, whole history."""
