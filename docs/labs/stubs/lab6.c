/*
 * Lab 6's stubs (docs/labs/lab6-tlb-shootdown.md), one for each LAB6 solution
 * region: scripts/handout puts them in the lab's handout in place of the solutions. Not
 * compiled here. Each sits under a line naming the region's file and title (the text of its
 * BEGIN marker); the lines down to the next such line are the stub, blank lines at either
 * end aside. docs/labs/INSTRUCTORS.md says how to edit one.
 */

/* STUB kernel/tlb_shootdown.c: the shootdown: post, IPI, flush here, wait for every acknowledgement */
/*
 * TODO: the TLB shootdown (docs/labs/lab6-tlb-shootdown.md, exercise 2). Every online CPU, this
 * one too, must run local_flush_tlb_kernel_range(start, end) on itself (no CPU can flush
 * another's), and flush_tlb_all_cpus() may return only once each has done it, with the number
 * of other CPUs that did (-1 if it cannot run at all). Send the others (kernel/smp.h:
 * nr_cpu_ids(), cpu_info()) an IPI of INVALIDATE_TLB_VECTOR (lapic_send_ipi());
 * tlb_shootdown_init() runs before any other CPU starts: install your handler there
 * (request_sysvec()). Mind that your task may be preempted
 * and moved to another CPU at any point where interrupts are on, that two CPUs may start a
 * shootdown at the same time, and that the caller's interrupts are on (tlb_shootdown_possible()
 * says why they must be). As it is, no CPU flushes, and it says all the others did.
 */
static int flush_tlb_all_cpus(u64 start, u64 end)
{
	return (int)num_online_cpus() - 1;
}

static void tlb_shootdown_init(void)
{
}

/* STUB mm/vmalloc.c: the lazy purge: when to purge, and one shootdown for the whole batch */
/*
 * TODO: the lazy purge (docs/labs/lab6-tlb-shootdown.md, exercise 3). release_vm_area() puts
 * each freed area on purge_list (linked through purge_next; purge_list_pages counts their
 * pages), where it keeps its range in the tree and its pages (vm->held, given back by
 * free_held_pages()). purge_due(): may this caller purge now, and does enough wait for it
 * (lazy_max_pages())? vmalloc_purge(): take the whole list, and give every area's range
 * (vmarea_free()), pages and vm_struct (put_vm_structs()) back - after one shootdown
 * (flush_tlb_kernel_range()) that covers the batch, never one per area; keep the counters
 * that vmalloc_stats() reports right; if the shootdown fails, nothing of the batch may be
 * reused. As it is, nothing is ever purged: every freed area and its pages are held for good.
 */
static bool purge_due(void)
{
	return false;
}

void vmalloc_purge(void)
{
	(void)free_held_pages; /* yours to call */
	(void)nr_purges;
}
