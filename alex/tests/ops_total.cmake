# Sums the per-test operation counts the tree tests wrote to OPS_DIR and prints the total
# of this ctest run. When every test of TEST_BINARY ran and passed, the total must reach
# MIN_OPS (one million); a partial run (ctest -R, failures) only prints.
file(GLOB files "${OPS_DIR}/*.ops")
set(total 0)
set(n_files 0)
foreach(f IN LISTS files)
  file(READ "${f}" c)
  string(STRIP "${c}" c)
  math(EXPR total "${total} + ${c}")
  math(EXPR n_files "${n_files} + 1")
endforeach()
execute_process(COMMAND "${TEST_BINARY}" --gtest_list_tests OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
string(REGEX MATCHALL "\n  [^\n]+" tests "\n${listing}")
list(LENGTH tests n_tests)
message("omendb: ${total} tree operations in this ctest run (${n_files} of ${n_tests} tree tests reported)")
if(n_files EQUAL n_tests AND total LESS MIN_OPS)
  message(FATAL_ERROR "omendb: only ${total} operations; the suite must run at least ${MIN_OPS}")
endif()
