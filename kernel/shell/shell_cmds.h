/* Commands the shell's table points to, from the files that group them by subject. */
#ifndef KERNEL_SHELL_CMDS_H
#define KERNEL_SHELL_CMDS_H

int cmd_meminfo(int argc, char **argv);
int cmd_vmallocinfo(int argc, char **argv);
int cmd_kfenceinfo(int argc, char **argv);
int cmd_vmtree(int argc, char **argv);
int cmd_pagewalk(int argc, char **argv);
int cmd_ptdump(int argc, char **argv);
int cmd_fail(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_spawn(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_lkdtm(int argc, char **argv);
int cmd_stacktorture(int argc, char **argv);
int cmd_heaptorture(int argc, char **argv);
int cmd_stack_trace(int argc, char **argv);
int cmd_run(int argc, char **argv);
/* ps's lines about user processes (kernel/shell/shell_process.c). */
void shell_ps_processes(void);
int cmd_ls(int argc, char **argv);
/* meminfo's lines about task stacks (kernel/shell/shell_task.c). */
void shell_meminfo_stacks(void);

#endif
