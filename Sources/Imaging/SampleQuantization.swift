/// Float sample -> 8-bit: clamp to [0, 255], then round half to even. NaN becomes 0, so a
/// numerical accident in a network never traps the conversion.
@inline(__always)
func quantizedSample(_ value: Float) -> UInt8 {
    guard value > 0 else { return 0 }  // also catches NaN
    guard value < 255 else { return 255 }
    return UInt8(value.rounded(.toNearestOrEven))
}
