import Foundation
import Testing
@testable import UpscaleService

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Two-block message from FIPS 180-4.
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func officialWeightsHashAsTheManifestSays() throws {
        let bytes = try SharedData.bytes("models/smsr_x2_official.safetensors")
        #expect(SHA256.hex(bytes) == "3b54df691cdd3e0fd74e2a5b7d2b16959a9d591a3ea9170a38ab0509604aac3c")
    }
}
