/*
 * User address spaces (Linux: struct mm_struct). Each has its own PML4: the lower half (user
 * space, entries 0..255) is its own, the upper half is a copy of the kernel's 256 entries, which
 * point to PDPTs allocated once at boot (mm/pgtable.c), so every kernel mapping made later -
 * vmalloc, task stacks - is seen in every address space without touching it.
 *
 * User pages are never writable and executable at once: the caller says which (UMAP_*), and a
 * page that is not executable gets NX.
 */
#ifndef MM_USER_MM_H
#define MM_USER_MM_H

#include "arch/x86_64/memlayout.h" /* USER_TOP: the user half ends there */
#include "kernel/lib/types.h"

/* How a user range is mapped. UMAP_WRITE and UMAP_EXEC together are refused. */
#define UMAP_WRITE (1u << 0)
#define UMAP_EXEC  (1u << 1)

struct user_mm {
	u64 pml4_phys;	 /* what CR3 gets */
	u64 nr_pages;	 /* user pages mapped (ps: the address-space size) */
	u64 nr_pt_pages; /* its page tables: the PML4 and every table of the user half */
};

/* A new, empty address space; NULL if no memory. */
struct user_mm *user_mm_create(void);
/* Free every user page, every page table and the mm itself. Not the one in CR3. */
void user_mm_destroy(struct user_mm *mm);
/*
 * Map npages fresh zeroed pages from va (page aligned, in the user half) with prot (UMAP_*).
 * 0, or -EINVAL (bad range, W+X, already mapped), -ENOMEM; on error nothing stays mapped.
 */
int user_map_zeroed(struct user_mm *mm, u64 va, u64 npages, u32 prot);
/* Unmap [va, va + npages pages), freeing the pages and the page tables left empty. */
void user_unmap(struct user_mm *mm, u64 va, u64 npages);
/* The kernel (direct-map) address of the page that maps va, or NULL (loading a program). */
void *user_page_address(struct user_mm *mm, u64 va);

/* Load mm's page tables (NULL: the kernel's) into CR3, if not already there: the switch hook. */
void switch_mm(struct user_mm *mm);

/* Page tables of all user address spaces, PML4s included (tests: back at baseline). */
u64 user_pt_pages(void);

#endif
