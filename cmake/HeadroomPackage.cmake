# Installation and the Debian package (`cpack -G DEB` in a build directory): docs/DEPLOY.md.
#   /usr/bin/headroom                         (server/CMakeLists.txt)
#   /usr/share/headroom/web/                  the dashboard (server/CMakeLists.txt); `serve` finds it
#                                             next to the binary: ../share/headroom/web
#   /usr/share/headroom/sessions/*.json       the example sessions; `demo` finds demo.json likewise
#   /usr/lib/systemd/system/headroom.service  the unit (not enabled on install)
#   /etc/headroom/headroom.json               the service's config, a conffile
#   /usr/share/doc/headroom/                  README and the deployment and demo docs
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/sessions/ DESTINATION share/headroom/sessions
        FILES_MATCHING PATTERN "*.json")
install(FILES ${PROJECT_SOURCE_DIR}/deploy/headroom.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/headroom.json DESTINATION /etc/headroom)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/DEPLOY.md ${PROJECT_SOURCE_DIR}/docs/DEMO.md
              ${PROJECT_SOURCE_DIR}/docs/SESSION.md ${PROJECT_SOURCE_DIR}/docs/NETWORK.md
        DESTINATION share/doc/headroom)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME headroom)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Headroom maintainers <headroom@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "networked gain-staging meter for studios (JACK, browser dashboard)")
set(CPACK_PACKAGE_DESCRIPTION
    "Headroom meters every stage of a studio's signal flow from JACK - inputs, plugin chains, faders,\nbuses, the mix bus - and shows in a browser where each stage stands against its gain-staging\ntarget, with BS.1770 loudness and true peak, VU and PPM. Includes a demo studio.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF) # /etc/headroom is meant
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Debian 12's names; libjack0 is the JACK1 alternative (PipeWire's JACK is used through pw-jack).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libjack-jackd2-0 | libjack0, libsndfile1, libssl3, libstdc++6, libc6, adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "jackd2 | pipewire-jack")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
                                       ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
