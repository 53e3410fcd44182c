/// This build's version, as `smsr --version`, `/openapi.json` and the `Server` header tell it.
public enum ServiceVersion {
    public static let current = "0.2.0"
}
