# SPDX-License-Identifier: MIT
# cmake/MmtStressTests.cmake - stress smoke tests per scenario and allocator
# (filled in by the stress work).
