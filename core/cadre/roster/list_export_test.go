package roster

// ForceWalk returns f paged by walking the sort order whatever the size of
// its selection, so that tests reach that plan on a small roster.
func ForceWalk(f Filter) Filter {
	f.forceWalk = true
	return f
}
