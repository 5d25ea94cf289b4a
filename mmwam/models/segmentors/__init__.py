from .multimodal_encoder_decoder import MultiModalCascadeEncoderDecoder, MultiModalEncoderDecoder

__all__ = ['MultiModalCascadeEncoderDecoder', 'MultiModalEncoderDecoder']
