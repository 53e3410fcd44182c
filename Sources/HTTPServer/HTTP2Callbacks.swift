import CNGHTTP2

/// nghttp2's callbacks: C function pointers (`@convention(c)` closures that capture nothing) that find
/// their `HTTP2Session` through the context pointer nghttp2 passes back, and hand it the frame.
enum HTTP2Callbacks {
    private static let callbackFailure = NGHTTP2_ERR_CALLBACK_FAILURE.rawValue

    /// A server session with this file's callbacks and the options the server relies on.
    static func makeSession(_ session: inout OpaquePointer?, context: UnsafeMutableRawPointer) -> Int32 {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else { return -1 }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, onBeginFrame)
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunkRecv)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSend)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else { return -1 }
        defer { nghttp2_option_del(option) }
        // Flow-control credit is returned by the session itself (nghttp2_session_consume), only for
        // body bytes it keeps.
        nghttp2_option_set_no_auto_window_update(option, 1)
        // Closed streams are not kept around for the priority tree: a client cannot grow that list.
        nghttp2_option_set_no_closed_streams(option, 1)
        return nghttp2_session_server_new2(&session, callbacks, context, option)
    }

    /// The data provider of every response body: reads from the stream's copy of the body.
    static func responseBodyProvider() -> nghttp2_data_provider {
        nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: { _, streamID, buffer, length, flags, _, context in
            guard let context, let buffer, let flags else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
            return HTTP2Session.from(context).readResponseBody(streamID, into: buffer, length: length, flags: flags)
        })
    }

    private static func isFrame(_ type: UInt8, _ kind: nghttp2_frame_type) -> Bool { UInt32(type) == kind.rawValue }

    private static func has(_ flags: UInt8, _ flag: nghttp2_flag) -> Bool { UInt32(flags) & flag.rawValue != 0 }

    // MARK: the callbacks

    /// Every frame header, before its payload: counts CONTINUATION frames of a header block.
    private static let onBeginFrame: nghttp2_on_begin_frame_callback = { _, hd, context in
        guard let hd, let context else { return 0 }
        let s = HTTP2Session.from(context)
        guard !s.terminating else { return callbackFailure }
        let type = hd.pointee.type
        if isFrame(type, NGHTTP2_HEADERS) || isFrame(type, NGHTTP2_CONTINUATION) {
            if !s.headerBlockFrame(continuation: isFrame(type, NGHTTP2_CONTINUATION)) {
                return s.abort(.continuationFlood)
            }
        }
        return 0
    }

    private static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, context in
        guard let frame, let context else { return 0 }
        let s = HTTP2Session.from(context)
        if frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST, !s.terminating {
            s.streamOpened(frame.pointee.hd.stream_id)
        }
        return 0
    }

    /// One decoded header field. Its size counts toward the stream's header list: past the limit the
    /// request gets 431, far past it (a decompression bomb) the connection ends.
    private static let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, context in
        guard let frame, let context, let name, let value else { return 0 }
        let s = HTTP2Session.from(context)
        guard !s.terminating, let stream = s.streams[frame.pointee.hd.stream_id] else { return 0 }
        stream.headerListBytes += nameLength + valueLength + 32
        if stream.headerListBytes > s.limits.maxHeaderBytes * s.configuration.headerBombFactor {
            return s.abort(.headerBomb)
        }
        guard !stream.headersTooLarge, frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
        if stream.headerListBytes > s.limits.maxHeaderBytes || stream.fields.count >= s.limits.maxHeaderCount {
            stream.headersTooLarge = true
            stream.fields = []
            return 0
        }
        let nameText = String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self)
        let valueText = String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)
        if nameText.hasPrefix(":") {
            stream.pseudo[nameText] = valueText
        } else {
            stream.fields.append((nameText, valueText))
        }
        return 0
    }

    private static let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, context in
        guard let frame, let context else { return 0 }
        let s = HTTP2Session.from(context)
        guard !s.terminating else { return callbackFailure }
        let hd = frame.pointee.hd
        let type = hd.type
        if isFrame(type, NGHTTP2_SETTINGS), !has(hd.flags, NGHTTP2_FLAG_ACK) {
            if !s.settingsReceived() { return s.abort(.settingsFlood) }
        } else if isFrame(type, NGHTTP2_PING), !has(hd.flags, NGHTTP2_FLAG_ACK) {
            if !s.pingReceived() { return s.abort(.pingFlood) }
        } else if isFrame(type, NGHTTP2_RST_STREAM) {
            if !s.clientReset() { return s.abort(.rapidReset) }
        } else if isFrame(type, NGHTTP2_HEADERS), let stream = s.streams[hd.stream_id] {
            if frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
                headersComplete(stream, endStream: has(hd.flags, NGHTTP2_FLAG_END_STREAM), s)
            } else if has(hd.flags, NGHTTP2_FLAG_END_STREAM), stream.phase == .body, !stream.discarding {
                s.requestComplete(stream)  // trailers end the body; their fields are dropped
            }
        } else if isFrame(type, NGHTTP2_DATA), has(hd.flags, NGHTTP2_FLAG_END_STREAM),
                  let stream = s.streams[hd.stream_id], stream.phase == .body, !stream.discarding {
            s.requestComplete(stream)
        }
        return 0
    }

    private static func headersComplete(_ stream: HTTP2Stream, endStream: Bool, _ s: HTTP2Session) {
        guard stream.phase == .headers else { return }
        if stream.headersTooLarge {
            s.reject(stream, .headersTooLarge("header list too large"))
            return
        }
        switch HTTP2Fields.requestHead(pseudo: stream.pseudo, fields: stream.fields, limits: s.limits) {
        case .failure(let rejection):
            s.reject(stream, rejection)
        case .success(let head):
            stream.head = head
            stream.fields = []
            s.admit(stream, endStream: endStream)
        }
    }

    private static let onDataChunkRecv: nghttp2_on_data_chunk_recv_callback = { session, _, streamID, data, length, context in
        guard let context else { return 0 }
        let s = HTTP2Session.from(context)
        guard let stream = s.streams[streamID], let data else {
            _ = nghttp2_session_consume_connection(session, length)
            return 0
        }
        s.bodyReceived(stream, UnsafeBufferPointer(start: data, count: length))
        return 0
    }

    private static let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, _, context in
        guard let context else { return 0 }
        HTTP2Session.from(context).streamClosed(streamID)
        return 0
    }

    /// Every frame sent: resets count toward "made you reset"; GOAWAY toward the metric; a response
    /// that ends a stream whose client is still sending is followed by RST_STREAM(NO_ERROR).
    private static let onFrameSend: nghttp2_on_frame_send_callback = { session, frame, context in
        guard let frame, let context else { return 0 }
        let s = HTTP2Session.from(context)
        let hd = frame.pointee.hd
        if isFrame(hd.type, NGHTTP2_RST_STREAM) {
            if !s.serverReset() { s.noteAbuse(.madeYouReset) }
        } else if isFrame(hd.type, NGHTTP2_GOAWAY) {
            s.goawaySent(errorCode: frame.pointee.goaway.error_code)
        } else if (isFrame(hd.type, NGHTTP2_HEADERS) || isFrame(hd.type, NGHTTP2_DATA)),
                  has(hd.flags, NGHTTP2_FLAG_END_STREAM),
                  nghttp2_session_get_stream_remote_close(session, hd.stream_id) == 0 {
            _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), hd.stream_id,
                                          NGHTTP2_NO_ERROR.rawValue)
        }
        return 0
    }
}
