// The Imaging module: decoded images and the codecs facade.
