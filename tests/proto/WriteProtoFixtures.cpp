// proto_fixture_writer DIRECTORY: (re)writes the golden fixtures of tests/proto/fixtures/ from
// ProtoFixtures.cpp. Run it after a deliberate change to the wire format (`ninja proto_fixtures`
// writes into the source tree), review the diff, bump the protocol version if old receivers would
// misread the new bytes, and commit the files with the change.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "tests/proto/ProtoFixtures.h"

int main(int argc, char** argv)
{
    if (argc != 2)
    {
        std::cerr << "usage: proto_fixture_writer DIRECTORY\n";
        return 2;
    }
    const std::string directory = argv[1];
    for (const auto& fixture : headroom::proto::fixtures::allFixtures())
    {
        const std::string path = directory + "/" + fixture.file;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(fixture.bytes.data()),
                  static_cast<std::streamsize>(fixture.bytes.size()));
        if (!out)
        {
            std::cerr << "proto_fixture_writer: cannot write " << path << "\n";
            return 1;
        }
        std::cout << path << " (" << fixture.bytes.size() << " bytes)\n";
    }
    return 0;
}
