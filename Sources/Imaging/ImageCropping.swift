extension Image {
    /// The rectangle at (`x`, `y`) of `width` x `height`, which must lie inside the image.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> Image {
        precondition(x >= 0 && y >= 0 && width >= 0 && height >= 0 && x + width <= self.width && y + height <= self.height,
                     "crop rectangle outside the image")
        let c = layout.channelCount
        var out = [UInt8]()
        out.reserveCapacity(width * height * c)
        for row in y..<(y + height) {
            let start = (row * self.width + x) * c
            out.append(contentsOf: pixels[start..<(start + width * c)])
        }
        return Image(width: width, height: height, layout: layout, pixels: out)
    }
}
