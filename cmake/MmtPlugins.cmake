# SPDX-License-Identifier: MIT
# cmake/MmtPlugins.cmake - in-tree builds of the example plug-ins and of the
# broken plug-ins the loader tests use (filled in by the plug-in work).
