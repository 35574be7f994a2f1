/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether the running binary is in the build tree (beside
 * bpf/plugland.bpf.o): then its plugins are the default plugin folder, so
 * that `make && build/scx_plugland -p deadline` (or build/plugland-replay)
 * runs the deadline just built, not an installed one or none.
 */
#ifndef PLUGLAND_BUILD_TREE_H
#define PLUGLAND_BUILD_TREE_H

#include <stdbool.h>
#include <stddef.h>

/* The build tree's plugin folder into dir[len]: true, or false (dir not
 * touched) when the binary is not in a build tree or the path is too long. */
bool build_tree_plugin_dir(char *dir, size_t len);

#endif
