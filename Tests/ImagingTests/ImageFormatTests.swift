import Testing
import Imaging

@Suite struct ImageFormatTests {
    @Test func formatFromFileName() {
        #expect(ImageFormat(fileName: "out.png") == .png)
        #expect(ImageFormat(fileName: "dir/Photo.JPG") == .jpeg)
        #expect(ImageFormat(fileName: "a.jpeg") == .jpeg)
        #expect(ImageFormat(fileName: "x.WebP") == .webp)
        #expect(ImageFormat(fileName: "notes.txt") == nil)
        #expect(ImageFormat(fileName: "out.gif") == nil)
        #expect(ImageFormat(fileName: "png") == nil)
        #expect(ImageFormat(fileName: "some.dir/file") == nil)
    }
}
