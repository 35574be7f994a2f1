/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PLUGLAND_CTL_CLIENT_H
#define PLUGLAND_CTL_CLIENT_H

/* `scx_plugland ctl ...`: argv[0] is "ctl". Returns the exit status. */
int ctl_main(int argc, char **argv);

#endif
