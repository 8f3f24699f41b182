/*
 * Lab 5's stubs (docs/labs/lab5-stack-budgets.md), one for each LAB5 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB mm/vmarea.c: draw the tree with a stack of bounded size, not by recursion */
/*
 * LAB5: this draws the tree correctly, and the tests of small trees pass: but `make stackcheck`
 * finds that a deep enough tree needs more stack than a task has, and the deepest tree of areas
 * the vmalloc range could hold overflows it. Keep the output, lose the recursion
 * (docs/labs/lab5-stack-budgets.md).
 */
static void show_subtree(struct tree_text *t, const struct vmarea *n, u32 depth)
{
	char line[TREE_LINE_MAX];

	if (!n)
		return;
	format_node(line, n, depth);
	put_line(t, line);
	show_subtree(t, n->left, depth + 1);
	show_subtree(t, n->right, depth + 1);
}

size_t vmarea_show_tree(const struct vmarea_space *s, char *buf, size_t size)
{
	struct tree_text t = { buf, size, 0 };

	show_subtree(&t, s->root, 0);
	return tree_text_end(&t);
}
