from .multimodal_encoder_decoder import MultiModalEncoderDecoder

__all__ = ['MultiModalEncoderDecoder']
