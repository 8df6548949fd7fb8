# HEADROOM_RTSAN=ON: builds `headroom_rtsan`, the JACK path (`serve`, `generate`) with
# RealtimeSanitizer. Debian 12 has no compiler that accepts -fsanitize=realtime (clang 20+), but
# clang-19's runtime (libclang-rt-19-dev) ships libclang_rt.rtsan and exports
# __rtsan_realtime_enter/exit: the process callbacks call them through HEADROOM_RT_SCOPE()
# (server/audio/RealtimeScope.h, active with HEADROOM_RTSAN=1), and the runtime, linked in whole by
# hand, intercepts malloc, free, locks, blocking system calls and I/O and exits 1 at the first one
# made inside a process callback. The objects are compiled by the project's usual compiler.
#
# Only what the JACK path needs is compiled (dsp is reused as is: it has no scope markers):
# server/audio, server/engine, the two commands and their small main (server/live_main.cpp).
if(HEADROOM_RTSAN)
  set(HEADROOM_RTSAN_RUNTIME "/usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.rtsan-x86_64.a"
      CACHE FILEPATH "clang's RealtimeSanitizer runtime (libclang-rt-19-dev)")
  if(NOT EXISTS "${HEADROOM_RTSAN_RUNTIME}")
    message(FATAL_ERROR "HEADROOM_RTSAN: ${HEADROOM_RTSAN_RUNTIME} not found; install clang-19 libclang-rt-19-dev "
                        "llvm-19 (deploy/install-dependencies.sh --test) or set HEADROOM_RTSAN_RUNTIME")
  endif()
  file(GLOB HEADROOM_RTSAN_SOURCES CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/server/audio/*.cpp
    ${PROJECT_SOURCE_DIR}/server/engine/*.cpp
    ${PROJECT_SOURCE_DIR}/server/advisor/*.cpp
    ${PROJECT_SOURCE_DIR}/server/demo/*.cpp
    ${PROJECT_SOURCE_DIR}/server/lab/*.cpp
    ${PROJECT_SOURCE_DIR}/server/net/*.cpp)
  find_package(Boost 1.74 REQUIRED)
  find_package(OpenSSL REQUIRED) # server/net: --tls-cert
  add_executable(headroom_rtsan
    ${PROJECT_SOURCE_DIR}/server/live_main.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/CommandSupport.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/GenerateCommand.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/DemoCommand.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/ServeCommand.cpp
    ${PROJECT_SOURCE_DIR}/server/cli/ServeConfig.cpp
    ${HEADROOM_RTSAN_SOURCES})
  target_include_directories(headroom_rtsan PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(headroom_rtsan PRIVATE HEADROOM_RTSAN=1 BOOST_ASIO_NO_DEPRECATED
                                                    BOOST_BEAST_USE_STD_STRING_VIEW)
  target_link_libraries(headroom_rtsan PRIVATE headroom_dsp headroom_proto Boost::headers PkgConfig::JACK PkgConfig::SNDFILE PkgConfig::MOSQUITTO
                                               nlohmann_json::nlohmann_json OpenSSL::SSL headroom_warnings
                        -Wl,--whole-archive "${HEADROOM_RTSAN_RUNTIME}" -Wl,--no-whole-archive
                        -lpthread -ldl -lrt)
endif()
