# Core: registration, ABI, operations (issue: core).
TESTS += ops_test
