# HEADROOM_TSAN=ON: a ThreadSanitizer build directory for the live engine's thread handoffs
# (RT thread -> SummaryQueue -> worker, the JACK supervisor, JACK's notification thread).
# deploy/test.sh configures one next to the normal build. Everything in such a directory is
# compiled with -fsanitize=thread (top-level CMakeLists.txt), and only these targets are defined
# beyond the libraries, so it compiles only what it exercises:
#   engine_tsan_tests  the unit tests of the threaded engine code (ctest label "tsan")
#   headroom_tsan      serve/generate (server/live_main.cpp), run through the live_levels and
#                      live_robustness integration scenarios (private jackd, traffic, period
#                      changes, late sources, a stall, a server restart at another rate, SIGTERM)
# TSAN_OPTIONS=halt_on_error=1: the first report ends the process (exit 66), so a race fails the test.
if(HEADROOM_TSAN)
  find_package(GTest REQUIRED)
  find_package(PkgConfig REQUIRED)
  find_package(nlohmann_json 3.10 REQUIRED)
  pkg_check_modules(HEADROOM_TSAN_JACK REQUIRED IMPORTED_TARGET jack) # server/'s PkgConfig::JACK is not visible here
  pkg_check_modules(HEADROOM_TSAN_MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto) # serve --mqtt (server/lab)
  enable_testing()

  file(GLOB HEADROOM_TSAN_ENGINE_SOURCES CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/server/audio/*.cpp
    ${PROJECT_SOURCE_DIR}/server/engine/*.cpp
    ${PROJECT_SOURCE_DIR}/server/advisor/*.cpp
    ${PROJECT_SOURCE_DIR}/server/demo/*.cpp
    ${PROJECT_SOURCE_DIR}/server/lab/*.cpp
    ${PROJECT_SOURCE_DIR}/server/net/*.cpp)
  find_package(Boost 1.74 REQUIRED)
  find_package(Threads REQUIRED)
  find_package(OpenSSL REQUIRED) # server/net: --tls-cert
  add_library(headroom_engine_tsan STATIC ${HEADROOM_TSAN_ENGINE_SOURCES})
  target_compile_definitions(headroom_engine_tsan PUBLIC BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
  target_include_directories(headroom_engine_tsan PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(headroom_engine_tsan PUBLIC headroom_dsp headroom_proto PkgConfig::HEADROOM_TSAN_JACK PkgConfig::HEADROOM_TSAN_MOSQUITTO
                                                    nlohmann_json::nlohmann_json Boost::headers OpenSSL::SSL Threads::Threads
                                             PRIVATE headroom_warnings)
  # GCC 12 warns that TSan does not model atomic_thread_fence, which Asio's handler completion
  # uses (std_fenced_block); the handlers run under the scheduler's mutex, which TSan does model.
  target_compile_options(headroom_engine_tsan PRIVATE -Wno-tsan)

  # The tests of code that runs on more than one thread (globbed: the engine grows).
  file(GLOB HEADROOM_TSAN_TEST_SOURCES CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/tests/server/RealtimeMeterTest.cpp
    ${PROJECT_SOURCE_DIR}/tests/server/SummaryQueue*Test.cpp
    ${PROJECT_SOURCE_DIR}/tests/server/Engine*Test.cpp
    ${PROJECT_SOURCE_DIR}/tests/server/Jack*Test.cpp
    ${PROJECT_SOURCE_DIR}/tests/server/LiveEngine*Test.cpp)
  add_executable(engine_tsan_tests ${HEADROOM_TSAN_TEST_SOURCES})
  target_link_libraries(engine_tsan_tests PRIVATE headroom_engine_tsan headroom_warnings GTest::gtest_main)
  add_test(NAME tsan.engine_tests COMMAND engine_tsan_tests)

  add_executable(headroom_tsan
    ${PROJECT_SOURCE_DIR}/server/live_main.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/CommandSupport.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/GenerateCommand.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/DemoCommand.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/ServeCommand.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/ServeConfig.cpp)
  target_link_libraries(headroom_tsan PRIVATE headroom_engine_tsan headroom_warnings)
  find_program(HEADROOM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  # The signal sources are fixtures, not what is under test: an uninstrumented headroom for them
  # (deploy/test.sh passes the normal build's) keeps TSan's load to serve alone. With four
  # instrumented clients at 44.1 kHz / 128 on 2 busy cores, jackd's single request thread waited on
  # their late notification replies until client opens timed out (a CI failure, stop 10).
  set(HEADROOM_TSAN_SIGNAL_SOURCE "" CACHE FILEPATH "an uninstrumented headroom for `generate` in the TSan scenarios")
  if(HEADROOM_TSAN_SIGNAL_SOURCE)
    set(headroom_tsan_sources --generator ${HEADROOM_TSAN_SIGNAL_SOURCE})
  endif()
  # live_robustness restarts jackd at 512 frames, not its default 256: see --restart-period in the script.
  set(headroom_tsan_live_robustness_options --restart-period 512)
  foreach(scenario live_levels live_robustness)
    add_test(NAME tsan.${scenario}
             COMMAND ${HEADROOM_PYTHON3} ${PROJECT_SOURCE_DIR}/tests/integration/${scenario}_test.py
                     --headroom $<TARGET_FILE:headroom_tsan> ${headroom_tsan_sources} ${headroom_tsan_${scenario}_options}
                     --workdir ${CMAKE_CURRENT_BINARY_DIR}/tsan_${scenario})
  endforeach()

  set_tests_properties(tsan.engine_tests tsan.live_levels tsan.live_robustness PROPERTIES
    LABELS tsan TIMEOUT 600 SKIP_RETURN_CODE 77 RESOURCE_LOCK headroom_jackd
    ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1 second_deadlock_stack=1")
endif()
