import HTTPServer
import Imaging
import SMSR
