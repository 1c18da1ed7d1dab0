/** Whether a process of this host is gone, asked without touching it (signal 0). */

/** Whether process `pid` of this host has ended: no such process (ESRCH). One of another user's is alive (EPERM). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
